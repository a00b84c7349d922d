"""The numbers: dashboards, their filters and queues, charts and the monthly activity report."""
