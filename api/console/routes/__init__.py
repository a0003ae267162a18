"""The console's routers, one per page group."""
