"""What the hotline keeps in Redis: conversations, call-back requests, staff accounts."""
