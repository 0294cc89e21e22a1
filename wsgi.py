from ticketing import create_app

app = create_app()
