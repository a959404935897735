"""The JSON API (/api/v1) for other systems: 12345 referrals, the enterprise portal."""
