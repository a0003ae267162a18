"""People who sign in: accounts, passwords, tokens, who may see which case, and reads of PII."""
