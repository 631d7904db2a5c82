package io.fusedrnn.serve;

import io.fusedrnn.Backend;
import io.fusedrnn.Backends;
import io.fusedrnn.Precision;
import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.model.RnnModel;

/** A random model on the reference backend behind a service and a loopback HTTP server, for the HTTP tests; closes all four in turn. */
record ServedModel(Backend backend, PreparedRnn rnn, RnnService service, RnnHttpServer server) implements AutoCloseable {

    static ServedModel start(RnnConfig cfg, long seed, ServiceOptions serviceOptions, HttpOptions httpOptions) {
        Backend be = Backends.open("reference");
        PreparedRnn rnn = RnnModel.random(cfg, seed).prepare(be, Precision.FP32);
        RnnService service = new RnnService(rnn, serviceOptions);
        return new ServedModel(be, rnn, service, RnnHttpServer.start(service, httpOptions));
    }

    @Override
    public void close() {
        server.close();
        service.close();
        rnn.close();
        backend.close();
    }
}
