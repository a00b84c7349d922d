"""Running the portal: the commands, the doctor, the worker processes and the periodic runs' records."""
