/**
 * Structural checks of an OpenAPI 3.1 document: the rules of the specification that a client
 * generator trips over (every `$ref` resolves, every templated path parameter is declared,
 * operation ids are unique, responses are described, security schemes exist), plus the JSON
 * Schema 2020-12 rules our generated schemas could break. Returns the problems found, each
 * with where it is.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const PATH_ITEM_KEYS = new Set([...METHODS, "parameters", "summary", "description", "servers", "$ref"]);
const PARAMETER_LOCATIONS = new Set(["query", "header", "path", "cookie"]);
const SCHEMA_TYPES = new Set(["null", "boolean", "object", "array", "number", "integer", "string"]);

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function resolvePointer(doc: JsonObject, ref: string): Json | undefined {
  if (!ref.startsWith("#/")) return undefined;
  let node: Json | undefined = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    node = isObject(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

function walk(node: Json, at: string, visit: (node: JsonObject, at: string) => void): void {
  if (Array.isArray(node)) {
    for (const [i, child] of node.entries()) walk(child, `${at}/${i}`, visit);
  } else if (isObject(node)) {
    visit(node, at);
    for (const [key, child] of Object.entries(node)) walk(child, `${at}/${key}`, visit);
  }
}

/** Schema objects: everything under components.schemas and every `schema` keyword's value. */
function checkSchemas(doc: JsonObject, problems: string[]): void {
  const check = (schema: Json, at: string) =>
    walk(schema, at, (node, where) => {
      if (typeof node.$id === "string" && node.$id.includes("#"))
        problems.push(`${where}: $id has a fragment`);
      // An object under `type` is a property named "type", not the keyword.
      const types = Array.isArray(node.type) ? node.type : typeof node.type === "string" ? [node.type] : [];
      for (const type of types) {
        if (typeof type !== "string" || !SCHEMA_TYPES.has(type))
          problems.push(`${where}: unknown type ${JSON.stringify(type)}`);
      }
      if (Array.isArray(node.required) && isObject(node.properties)) {
        for (const name of node.required) {
          if (typeof name !== "string" || !(name in node.properties)) {
            problems.push(`${where}: required "${String(name)}" is not a property`);
          }
        }
      }
    });
  const schemas = isObject(doc.components) ? doc.components.schemas : undefined;
  if (isObject(schemas)) {
    for (const [name, schema] of Object.entries(schemas)) {
      if (!/^[a-zA-Z0-9._-]+$/.test(name)) problems.push(`components.schemas: invalid name ${name}`);
      check(schema, `#/components/schemas/${name}`);
    }
  }
  walk(doc.paths ?? {}, "#/paths", (node, where) => {
    if (node.schema !== undefined) check(node.schema, `${where}/schema`);
  });
}

function checkOperation(
  doc: JsonObject,
  path: string,
  method: string,
  operation: JsonObject,
  inherited: Json[],
  seenOperationIds: Set<string>,
  problems: string[],
): void {
  const where = `${method.toUpperCase()} ${path}`;
  const deref = (value: Json): Json | undefined =>
    isObject(value) && typeof value.$ref === "string" ? resolvePointer(doc, value.$ref) : value;

  if (typeof operation.operationId === "string") {
    if (seenOperationIds.has(operation.operationId)) problems.push(`${where}: duplicate operationId`);
    seenOperationIds.add(operation.operationId);
  }

  const parameters = [...inherited, ...(Array.isArray(operation.parameters) ? operation.parameters : [])]
    .map(deref)
    .filter(isObject);
  const seen = new Set<string>();
  for (const parameter of parameters) {
    const { name, in: location } = parameter;
    if (typeof name !== "string" || typeof location !== "string" || !PARAMETER_LOCATIONS.has(location)) {
      problems.push(`${where}: parameter without a valid name and location`);
      continue;
    }
    if (seen.has(`${location}:${name}`)) problems.push(`${where}: parameter ${name} declared twice`);
    seen.add(`${location}:${name}`);
    if (parameter.schema === undefined && parameter.content === undefined) {
      problems.push(`${where}: parameter ${name} has neither schema nor content`);
    }
    if (location === "path" && parameter.required !== true)
      problems.push(`${where}: path parameter ${name} not required`);
  }
  const templated = [...path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => name);
  for (const name of templated) {
    if (!seen.has(`path:${name}`)) problems.push(`${where}: path parameter {${name}} is not declared`);
  }
  for (const key of seen) {
    const [location, name] = key.split(":");
    if (location === "path" && !templated.includes(name))
      problems.push(`${where}: path parameter ${name} not in path`);
  }

  if (operation.requestBody !== undefined) {
    const body = deref(operation.requestBody);
    if (!isObject(body) || !isObject(body.content) || Object.keys(body.content).length === 0) {
      problems.push(`${where}: requestBody without content`);
    } else {
      for (const [type, media] of Object.entries(body.content)) {
        if (!isObject(media) || media.schema === undefined)
          problems.push(`${where}: requestBody ${type} without schema`);
      }
    }
  }

  if (!isObject(operation.responses) || Object.keys(operation.responses).length === 0) {
    problems.push(`${where}: no responses`);
  } else {
    for (const [status, response] of Object.entries(operation.responses)) {
      if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status))
        problems.push(`${where}: invalid response key ${status}`);
      const resolved = deref(response);
      if (!isObject(resolved) || typeof resolved.description !== "string") {
        problems.push(`${where}: response ${status} has no description`);
      }
    }
  }

  const schemes =
    isObject(doc.components) && isObject(doc.components.securitySchemes)
      ? doc.components.securitySchemes
      : {};
  for (const requirement of Array.isArray(operation.security) ? operation.security : []) {
    for (const name of isObject(requirement) ? Object.keys(requirement) : []) {
      if (!(name in schemes)) problems.push(`${where}: unknown security scheme ${name}`);
    }
  }
}

export function openApiProblems(doc: JsonObject): string[] {
  const problems: string[] = [];
  if (typeof doc.openapi !== "string" || !/^3\.1\.\d+$/.test(doc.openapi))
    problems.push("openapi: not 3.1.x");
  const info = doc.info;
  if (!isObject(info) || typeof info.title !== "string" || typeof info.version !== "string") {
    problems.push("info: title and version are required");
  }
  if (!isObject(doc.paths)) return [...problems, "paths: missing"];

  const schemes =
    isObject(doc.components) && isObject(doc.components.securitySchemes)
      ? doc.components.securitySchemes
      : {};
  for (const [name, scheme] of Object.entries(schemes)) {
    if (!isObject(scheme) || typeof scheme.type !== "string")
      problems.push(`securitySchemes.${name}: no type`);
    else if (scheme.type === "http" && typeof scheme.scheme !== "string")
      problems.push(`securitySchemes.${name}: no scheme`);
  }
  for (const requirement of Array.isArray(doc.security) ? doc.security : []) {
    for (const name of isObject(requirement) ? Object.keys(requirement) : []) {
      if (!(name in schemes)) problems.push(`security: unknown scheme ${name}`);
    }
  }

  const seenOperationIds = new Set<string>();
  const seenTemplates = new Map<string, string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith("/")) problems.push(`paths: ${path} does not start with /`);
    // Two templates that differ only in parameter names are the same path to a router.
    const shape = path.replace(/\{[^}]+\}/g, "{}");
    if (seenTemplates.has(shape))
      problems.push(`paths: ${path} and ${seenTemplates.get(shape)} are the same path`);
    seenTemplates.set(shape, path);
    if (!isObject(item)) {
      problems.push(`paths.${path}: not an object`);
      continue;
    }
    for (const key of Object.keys(item)) {
      if (!PATH_ITEM_KEYS.has(key) && !key.startsWith("x-"))
        problems.push(`paths.${path}: unknown key ${key}`);
    }
    const inherited = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      if (!isObject(operation)) problems.push(`${method.toUpperCase()} ${path}: not an object`);
      else checkOperation(doc, path, method, operation, inherited, seenOperationIds, problems);
    }
  }

  walk(doc, "#", (node, at) => {
    if (typeof node.$ref === "string" && resolvePointer(doc, node.$ref) === undefined) {
      problems.push(`${at}: $ref ${node.$ref} does not resolve`);
    }
  });
  checkSchemas(doc, problems);
  return problems;
}
