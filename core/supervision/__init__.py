"""Leaders' registers over the demand tickets: 挂牌督办 (tickets listed for
supervision with a deadline, a responsible leader and weekly progress) and 积案
(long-unsolved tickets, which a leader takes up: 包案)."""
