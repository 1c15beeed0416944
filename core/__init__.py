"""Small pieces every package uses: time, translated texts, settings."""
