"""The app stage: views and API endpoints used by app.py."""
