"""Deployment files (nginx, gunicorn, systemd) and the helper that runs the shipped nginx locally."""
