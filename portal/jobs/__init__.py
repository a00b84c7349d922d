"""Work that outlives a request: the queue (RQ, or inline), the jobs a person follows, the files they make."""
