"""座谈 and 联席会议: the meetings where demands are collected face to face (警企座谈会 with
enterprises; the 联席会议 with the federation of industry and commerce 工商联, the chambers
of commerce 商会 and the government's departments), their participants, minutes, and the
demands raised there, each registered as a ticket of channel ``meeting``."""
