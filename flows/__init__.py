"""The hotline as data plus a tiny pure engine."""
