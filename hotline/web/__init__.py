"""The HTTP edge: the Flask app, Twilio's webhooks and the social workers' dashboard."""
