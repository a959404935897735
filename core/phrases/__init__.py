"""Reply phrases (常用语): answers and notes officers write again and again,
kept per unit (and optionally per ticket category) by the unit's leaders and
inserted into the ticket page's answer and note forms with a click."""
