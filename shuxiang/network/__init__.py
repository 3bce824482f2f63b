"""Library network (图书馆网络): libraries, their hierarchy, IP ranges, domains, admission."""
