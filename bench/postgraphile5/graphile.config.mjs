// PostGraphile 5, amber preset, on the database named by $DATABASE_URL (public schema).
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

export default {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ["public"] })],
  grafserv: { port: Number(process.env.PORT || 5005), host: "127.0.0.1", graphiql: false },
  grafast: { explain: false },
};
