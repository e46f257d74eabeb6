"""OpenAPI: the token authentication as an HTTP bearer scheme (loaded by the app's ready())."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portail.api.tokens.ApiTokenAuthentication"
    name = "jeton"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "ppt_<préfixe>_<secret>",
                "description": "Jeton créé par l'administrateur de la convention (page « Jetons d'API »)."}
