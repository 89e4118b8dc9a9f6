"""Running a Paragraf installation as a whole (not one part of the domain): backup and restore
of the database, the media files and the signing keys (`manage.py backup`, `manage.py restore`).
No models."""
