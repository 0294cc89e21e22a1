import sys

from ticketing import create_app
from ticketing.config import ConfigurationError

try:
    app = create_app()
except ConfigurationError as error:  # its message names the setting; a 35-line traceback buried it (a README walk-through)
    sys.stderr.write(f"配置错误 / configuration error: {error}\n")
    sys.exit(3)  # gunicorn's "worker failed to boot": the master stops instead of starting workers again
