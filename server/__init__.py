"""The HTTP service: `create_app()` in server.main. Importing the package itself loads nothing."""
