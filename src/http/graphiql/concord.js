// Concord's GraphiQL: the page's settings are data attributes of #graphiql (so the page
// runs no inline script and its Content-Security-Policy can forbid them).
(function () {
  var root = document.getElementById('graphiql');
  var endpoint = new URL(root.dataset.endpoint, window.location.href).toString();
  var socket = new URL(root.dataset.socket, window.location.href);
  socket.protocol = socket.protocol === 'https:' ? 'wss:' : 'ws:';
  var introspection = root.dataset.introspection === 'true';

  // Subscriptions run over /graphql/ws (graphql-transport-ws). The socket is opened with
  // the Authorization header of the Headers tab, and again when that header changes.
  var wsClient = null;
  var wsAuthorization = null;
  function socketFor(headers) {
    var authorization = (headers && (headers.Authorization || headers.authorization)) || '';
    if (wsClient === null || wsAuthorization !== authorization) {
      if (wsClient !== null) wsClient.dispose();
      wsAuthorization = authorization;
      wsClient = graphqlWs.createClient({
        url: socket.toString(),
        lazy: true,
        connectionParams: authorization ? { Authorization: authorization } : {},
      });
    }
    return wsClient;
  }

  // The operation type of the operation GraphiQL runs: read off the document's top
  // level (comments and strings skipped), so no parser is needed here.
  function operationType(query, operationName) {
    var depth = 0, i = 0, words = [], found = null;
    function definition(first, second) {
      if (found !== null) return;
      var type = first === '{' ? 'query' : first;
      var name = first === '{' ? undefined : second;
      if (!operationName || operationName === name) found = type;
    }
    while (i < query.length) {
      var c = query[i];
      if (c === '#') { while (i < query.length && query[i] !== '\n') i++; continue; }
      if (c === '"') {
        var block = query.substr(i, 3) === '"""';
        i += block ? 3 : 1;
        while (i < query.length && !(block ? query.substr(i, 3) === '"""' : query[i] === '"')) {
          i += query[i] === '\\' ? 2 : 1;
        }
        i += block ? 3 : 1;
        continue;
      }
      if (c === '{') {
        if (depth === 0) definition(words.length ? words[0] : '{', words[1]);
        depth++; words = []; i++; continue;
      }
      if (c === '}') { depth--; i++; continue; }
      if (depth === 0 && /[_A-Za-z]/.test(c)) {
        var start = i;
        while (i < query.length && /[_0-9A-Za-z]/.test(query[i])) i++;
        words.push(query.slice(start, i));
        continue;
      }
      if (depth === 0 && c === '(') {
        // Variable definitions: skip to the matching parenthesis.
        var level = 0;
        do {
          if (query[i] === '(') level++;
          if (query[i] === ')') level--;
          i++;
        } while (i < query.length && level > 0);
        continue;
      }
      i++;
    }
    return found;
  }

  var http = GraphiQL.createFetcher({ url: endpoint });

  function fetcher(params, options) {
    var headers = (options && options.headers) || {};
    if (operationType(params.query || '', params.operationName) !== 'subscription') {
      return http(params, options);
    }
    var client = socketFor(headers);
    // An observable: GraphiQL shows each event and stops it with its stop button.
    return {
      subscribe: function (observer) {
        var dispose = client.subscribe(
          { query: params.query, variables: params.variables, operationName: params.operationName },
          {
            next: function (value) { observer.next(value); },
            error: function (error) {
              observer.error(error instanceof Error ? error : new Error(
                error && error.reason ? 'The socket closed: ' + error.code + ' ' + error.reason
                  : JSON.stringify(error)));
            },
            complete: function () { observer.complete(); },
          });
        return { unsubscribe: dispose };
      },
    };
  }

  var props = {
    fetcher: fetcher,
    defaultQuery: root.dataset.query,
    defaultEditorToolsVisibility: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
  };
  if (!introspection) {
    // An empty schema: GraphiQL then asks for nothing and says why in the Docs panel.
    props.schema = null;
    var notice = document.getElementById('introspection-off');
    notice.hidden = false;
  }
  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, props));
})();
