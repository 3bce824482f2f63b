"""Reader portal: branch sites (总分站), curated columns and topics, the in-browser reader."""
