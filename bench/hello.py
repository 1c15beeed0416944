"""The floor for the submit benchmark: a hello-world Flask route under the same gunicorn settings.

    gunicorn --no-control-socket -w 4 -b 127.0.0.1:8001 bench.hello:app
"""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
