import protobuf from 'protobufjs';

/*
 * The parts of BuildKit's and gRPC's protocols this package speaks. Package, message and field
 * names, numbers and types are upstream's; what we never read is left out, and protobuf skips
 * unknown fields, so newer engines keep working. The definitions are strings rather than .proto
 * files so that the compiled package and the CLI's bundle carry nothing beside their JavaScript.
 */

/** moby/buildkit api/services/control/control.proto: a build stream's `moby.buildkit.trace` aux. */
const control = `
  syntax = "proto3";
  package moby.buildkit.v1;
  import "google/protobuf/timestamp.proto";

  message StatusResponse {
    repeated Vertex vertexes = 1;
    repeated VertexStatus statuses = 2;
    repeated VertexLog logs = 3;
    repeated VertexWarning warnings = 4;
  }

  message Vertex {
    string digest = 1;
    repeated string inputs = 2;
    string name = 3;
    bool cached = 4;
    google.protobuf.Timestamp started = 5;
    google.protobuf.Timestamp completed = 6;
    string error = 7;
    // 8: progressGroup (pb.ProgressGroup), not read.
  }

  message VertexStatus {
    string ID = 1;
    string vertex = 2;
    string name = 3;
    int64 current = 4;
    int64 total = 5;
    google.protobuf.Timestamp timestamp = 6;
    google.protobuf.Timestamp started = 7;
    google.protobuf.Timestamp completed = 8;
  }

  message VertexLog {
    string vertex = 1;
    google.protobuf.Timestamp timestamp = 2;
    int64 stream = 3;
    bytes msg = 4;
  }

  message VertexWarning {
    string vertex = 1;
    int64 level = 2;
    bytes short = 3;
    repeated bytes detail = 4;
    string url = 5;
    // 6: info (pb.SourceInfo) and 7: ranges (pb.Range), not read.
  }
`;

/** moby/buildkit session/secrets/secrets.proto: the secrets of `RUN --mount=type=secret`. */
const secrets = `
  syntax = "proto3";
  package moby.buildkit.secrets.v1;

  service Secrets {
    rpc GetSecret(GetSecretRequest) returns (GetSecretResponse);
  }

  message GetSecretRequest {
    string ID = 1;
    map<string, string> annotations = 2;
  }

  message GetSecretResponse {
    bytes data = 1;
  }
`;

/** moby/buildkit session/auth/auth.proto: only Credentials, the one method the session serves. */
const auth = `
  syntax = "proto3";
  package moby.filesync.v1;

  service Auth {
    rpc Credentials(CredentialsRequest) returns (CredentialsResponse);
  }

  message CredentialsRequest {
    string Host = 1;
  }

  message CredentialsResponse {
    string Username = 1;
    string Secret = 2;
  }
`;

/** grpc/grpc-proto grpc/health/v1/health.proto: only Check, which the engine polls every second. */
const health = `
  syntax = "proto3";
  package grpc.health.v1;

  service Health {
    rpc Check(HealthCheckRequest) returns (HealthCheckResponse);
  }

  message HealthCheckRequest {
    string service = 1;
  }

  message HealthCheckResponse {
    enum ServingStatus {
      UNKNOWN = 0;
      SERVING = 1;
      NOT_SERVING = 2;
      SERVICE_UNKNOWN = 3;
    }
    ServingStatus status = 1;
  }
`;

function parseProtos(): protobuf.Root {
  // protobufjs's own copy of google/protobuf/timestamp.proto, as its file loader would add it.
  const timestamp = protobuf.common.get('google/protobuf/timestamp.proto');
  const root = new protobuf.Root();
  if (timestamp?.nested) root.addJSON(timestamp.nested);
  for (const source of [control, secrets, auth, health])
    protobuf.parse(source, root, { keepCase: true });
  root.resolveAll();
  return root;
}

/** Every message and service above, resolved, in one protobufjs root. */
export const buildkitProtos: protobuf.Root = parseProtos();
