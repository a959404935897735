"""Legal-education sessions (法治宣教, 送法进企业): who spoke, where, to whom, on
what, with what material; kept per unit, outside any plugin."""
