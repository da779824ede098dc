"""HTTP routes. ``deps`` holds the dependencies (session, device, admin), as in the FastAPI template."""
