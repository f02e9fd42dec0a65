// graphql-codegen: types for each operation (and the inputs and enums they use) and typed
// documents, from the committed schema.graphql. `npm run codegen` rewrites
// src/generated/graphql.ts; the test `typescript_client::*` fails when the committed file
// differs from a fresh run.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: 'src/operations/*.graphql',
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        scalars: { DateTime: 'string', NaiveDate: 'string', Upload: 'Blob' },
        enumsAsTypes: true,
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false, object: false },
        strictScalars: true,
      },
    },
  },
};

export default config;
