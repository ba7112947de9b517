/* provider_azure.c: Azure OpenAI, the OpenAI wire format behind Azure's
 * own URL and key header.
 *
 * POST {base}/openai/deployments/{deployment}/chat/completions
 * ?api-version=VERSION with the key in an "api-key" header. The base is the
 * resource's endpoint (https://RESOURCE.openai.azure.com, AZURE_OPENAI_ENDPOINT
 * as Microsoft's SDKs read it); the model names the deployment, so a persona's
 * "model" is the deployment's name. The body and the reply are OpenAI's, so
 * this file borrows the openai provider's build and parse whole: whatever
 * that provider learns to send (structured output) Azure gets too. The
 * api-version defaults to the latest generally available version of the
 * inference API (2024-10-21, from Microsoft's REST reference), added by
 * sk_provider_build(); a config's "query" or a base URL that already names
 * one wins.
 */
#include "shipskip/providers/provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct sk_provider sk_provider_openai;

/* The latest GA api-version of Azure OpenAI's data-plane inference API. */
#define AZURE_API_VERSION "2024-10-21"

/* Writes "/openai/deployments/NAME" into buf, NAME percent-escaped but for
 * letters, digits, '.', '_' and '-', so a deployment name cannot add path
 * segments. Returns 0, or SK_EINVAL when it does not fit. */
static int deployment_path(char *buf, size_t size, const char *name) {
  static const char HEX[] = "0123456789ABCDEF";
  size_t n = (size_t)snprintf(buf, size, "/openai/deployments/");
  for (; *name != '\0'; name++) {
    unsigned char c = (unsigned char)*name;
    if (n + 4 > size)
      return SK_EINVAL;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-') {
      buf[n++] = (char)c;
    } else {
      buf[n++] = '%';
      buf[n++] = HEX[c >> 4];
      buf[n++] = HEX[c & 15];
    }
  }
  buf[n] = '\0';
  return 0;
}

static int build(const struct sk_provider_conf *conf,
                 const struct sk_chat_request *req, struct sk_wire_request *out,
                 struct sk_error *err) {
  struct sk_provider_conf oc;
  char path[512];
  char *base = NULL;
  int rc;

  sk_wire_request_init(out);
  rc = deployment_path(path, sizeof(path), req->model);
  if (rc != 0)
    return sk_error_set(err, rc,
                        "building the request: the deployment name is too "
                        "long");
  /* The openai build appends /chat/completions to the deployment's path;
   * the key goes in Azure's header, not as a Bearer token. */
  rc = sk_url_join(conf->base_url, path, NULL, 0, &base);
  if (rc != 0)
    return sk_wire_request_built(out, rc, err);
  oc = *conf;
  oc.base_url = base;
  oc.api_key = NULL;
  rc = sk_provider_openai.build(&oc, req, out, err);
  free(base);
  if (rc != 0)
    return rc;
  rc = sk_wire_request_add_key(out, conf, "api-key", "");
  return sk_wire_request_built(out, rc, err);
}

/* Azure answers with OpenAI's bodies, errors and rate-limit headers. */
static void parse(long status, const char *body, size_t len,
                  sk_header_fn header, void *hctx, struct sk_chat_result *out) {
  sk_provider_openai.parse(status, body, len, header, hctx, out);
}

const struct sk_provider sk_provider_azure = {
    .name = "azure",
    .key_env = "AZURE_OPENAI_API_KEY",
    .key_env_fallback = NULL,
    .base_url_env = "AZURE_OPENAI_ENDPOINT",
    /* No resource is everyone's: the placeholder fails to resolve, and
     * docs/PROVIDERS.md says to set base_url or AZURE_OPENAI_ENDPOINT. */
    .default_base_url = "https://YOUR-RESOURCE.openai.azure.com",
    .default_model = "gpt-4o-mini",
    .default_query_name = "api-version",
    .default_query_value = AZURE_API_VERSION,
    .build = build,
    .parse = parse,
};
