"""How the OpenAPI schema describes Jiedao's authentication: integrator API keys and staff tokens."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "jiedao.api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-Api-Key"}


class StaffTokenScheme(OpenApiAuthenticationExtension):
    target_class = "jiedao.api.auth.StaffTokenAuthentication"
    name = "StaffToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token <token> (python manage.py create_api_token USERNAME)",
        }
