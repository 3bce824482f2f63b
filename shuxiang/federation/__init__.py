"""Federation (互联互通): nodes forming the national network (SPEC §11)."""
