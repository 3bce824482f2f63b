"""OAI-PMH 2.0: the data provider at ``/oai`` and the harvester of other repositories."""
