"""The page a department answers through, reached by the signed link in its letter."""
