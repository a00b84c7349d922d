"""The baseline of `make bench-pages`: bare Flask saying hello, served by the same gunicorn settings as the portal."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
