"""The parts behind scraper.fetch: errors, address pinning, body reading and text decoding."""
