"""Server-rendered pages for police and coordinators (Jinja2, a little plain JavaScript);
api.app mounts their routers and /static."""
