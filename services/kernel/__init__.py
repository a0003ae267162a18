"""What every domain shares and no domain owns: values, errors, actors, the rule kit."""
