"""The voice conversation, by job: hearing (keys and speech), prompts (wording), navigation, machine."""
