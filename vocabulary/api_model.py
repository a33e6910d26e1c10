"""Typed model of an HTTP API, as reconnaissance reads it from an OpenAPI document.

Schemas are kept as fully resolved JSON Schema dictionaries (no `$ref` left, `allOf` merged), because
that is the shape jsonschema and the data synthesizer consume.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

JsonSchema = dict[str, Any]
HttpMethod = Literal["get", "put", "post", "delete", "options", "head", "patch", "trace"]
ParameterLocation = Literal["path", "query", "header", "cookie"]


class Parameter(BaseModel):
    """One operation parameter (path, query, header or cookie)."""

    name: str
    location: ParameterLocation
    required: bool = False
    schema_: JsonSchema = Field(default_factory=dict, alias="schema")
    example: Any | None = None
    description: str = ""

    model_config = {"populate_by_name": True}


class RequestBody(BaseModel):
    """The request body of an operation, for its preferred media type (JSON first)."""

    content_type: str
    required: bool = False
    schema_: JsonSchema = Field(default_factory=dict, alias="schema")
    example: Any | None = None

    model_config = {"populate_by_name": True}


class Link(BaseModel):
    """An OpenAPI link: a value of this response feeds a parameter of another operation."""

    name: str
    operation_id: str
    # parameter name -> runtime expression, e.g. {"taskId": "$response.body#/id"}
    parameters: dict[str, str] = Field(default_factory=dict)


class ResponseSpec(BaseModel):
    """A documented response: status key as written in the spec ("200", "4XX", "default")."""

    status: str
    description: str = ""
    content_type: str | None = None
    schema_: JsonSchema | None = Field(default=None, alias="schema")
    example: Any | None = None
    headers: list[str] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)

    model_config = {"populate_by_name": True}


OAuthFlowKind = Literal["password", "clientCredentials", "authorizationCode", "implicit"]


class OAuthFlow(BaseModel):
    """One OAuth2 flow of a scheme: where its tokens come from and the scopes it offers."""

    kind: OAuthFlowKind
    token_url: str | None = None  # as written in the spec: may be relative to the server URL
    authorization_url: str | None = None
    scopes: list[str] = Field(default_factory=list)


class SecurityScheme(BaseModel):
    """A security scheme from components.securitySchemes."""

    name: str
    type: Literal["http", "apiKey", "oauth2", "openIdConnect", "mutualTLS"]
    scheme: str | None = None  # http: "bearer" / "basic"
    location: Literal["header", "query", "cookie"] | None = None  # apiKey
    parameter_name: str | None = None  # apiKey: header/query/cookie name
    flows: list[OAuthFlow] = Field(default_factory=list)  # oauth2
    openid_connect_url: str | None = None  # openIdConnect: the discovery document

    def flow(self, kind: OAuthFlowKind) -> OAuthFlow | None:
        return next((f for f in self.flows if f.kind == kind), None)


class Operation(BaseModel):
    """One method on one path."""

    operation_id: str
    method: HttpMethod
    path: str
    summary: str = ""
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    parameters: list[Parameter] = Field(default_factory=list)
    request_body: RequestBody | None = None
    responses: list[ResponseSpec] = Field(default_factory=list)
    # Effective security requirements: each dict is one alternative (scheme name -> scopes).
    # An empty list means the operation is public.
    security: list[dict[str, list[str]]] = Field(default_factory=list)
    deprecated: bool = False

    def response(self, status: str) -> ResponseSpec | None:
        """The documented response for an exact status key, if any."""
        return next((r for r in self.responses if r.status == status), None)

    @property
    def success_statuses(self) -> list[str]:
        """Documented 2xx statuses, in spec order."""
        return [r.status for r in self.responses if r.status.startswith("2") and r.status.isdigit()]

    @property
    def path_parameters(self) -> list[Parameter]:
        return [p for p in self.parameters if p.location == "path"]


class ApiModel(BaseModel):
    """Everything reconnaissance learned about an API: the spec's operations and the live target."""

    title: str
    version: str = ""
    openapi_version: str
    source: str
    base_url: str
    servers: list[str] = Field(default_factory=list)
    operations: list[Operation] = Field(default_factory=list)
    security_schemes: list[SecurityScheme] = Field(default_factory=list)
    # Named component schemas, resolved; kept so generated suites can name them in messages.
    schemas: dict[str, JsonSchema] = Field(default_factory=dict)
    # What probing the base URL returned (status of GET base_url), for the report.
    probe_status: int | None = None

    def operation(self, operation_id: str) -> Operation | None:
        return next((o for o in self.operations if o.operation_id == operation_id), None)

    def scheme(self, name: str) -> SecurityScheme | None:
        return next((s for s in self.security_schemes if s.name == name), None)
