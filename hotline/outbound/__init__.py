"""What the hotline sends: the outbox of jobs, the RQ jobs themselves, and Twilio's REST API."""
