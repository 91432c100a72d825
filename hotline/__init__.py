"""The hotline's edges: the Flask app, Twilio webhooks, Redis stores and the command line."""
