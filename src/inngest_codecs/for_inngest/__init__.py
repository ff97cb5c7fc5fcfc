"""What is specific to Inngest, above the generic core: event data, Inngest's size
limits, sealed errors and the REST v1 client.

Nothing here imports the ``inngest`` SDK; the middleware (`inngest_codecs.middleware`)
maps the SDK's hooks onto these rules.
"""
