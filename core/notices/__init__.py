"""Notices that leave anqi: SMS, email and outbound webhooks (the 12345 link).

- ``events``: what is announced, to whom, and its default texts;
- ``models``: templates, preferences, the delivery log, webhook endpoints and their deliveries;
- ``services``: announcing an event (one message per recipient and channel, in the
  caller's transaction), templates, preferences;
- ``delivery``: the jobs that send, with quiet hours, back-off and a per-recipient limit;
- ``channels``: the SMS gateway adapters and the SMTP relay;
- ``allowlist``: the only hosts anqi may send to;
- ``webhooks``: endpoints, signed JSON posts, replay;
- ``views`` and ``cli``.
"""
