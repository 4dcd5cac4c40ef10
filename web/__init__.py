"""dondoc's web side: the provider webhooks now (``web.webhooks``); officers' and agencies' pages later."""
