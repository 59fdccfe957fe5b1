"""The setup checklist of a new account: connect a server, pick libraries, choose languages, first sync,
look at the dashboard. Each step's state is read from the data; what no data says is kept here."""
