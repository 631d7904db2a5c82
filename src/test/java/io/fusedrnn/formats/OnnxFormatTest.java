package io.fusedrnn.formats;

import com.google.protobuf.ByteString;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.formats.onnx.proto.OnnxProto.AttributeProto;
import io.fusedrnn.formats.onnx.proto.OnnxProto.GraphProto;
import io.fusedrnn.formats.onnx.proto.OnnxProto.ModelProto;
import io.fusedrnn.formats.onnx.proto.OnnxProto.NodeProto;
import io.fusedrnn.formats.onnx.proto.OnnxProto.StringStringEntryProto;
import io.fusedrnn.formats.onnx.proto.OnnxProto.TensorProto;
import io.fusedrnn.model.Fixtures;
import io.fusedrnn.model.LoadOptions;
import io.fusedrnn.model.RnnModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ONNX models written by onnx and torch.onnx.export (src/test/python/make_onnx_fixtures.py) reproduce
 * ONNX's numpy reference (or torch) on every backend: chained export stacks, reverse, sequence_lens,
 * layout 1, both linear_before_reset, no bias, several nodes, external data. Unsupported features
 * are refused with one line naming them.
 */
class OnnxFormatTest {
    @TempDir
    Path dir;

    static Path fixture(String name) {
        return Fixtures.path("onnx/" + name);
    }

    @TestFactory
    List<DynamicTest> modelsReproduceTheReference() {
        List<DynamicTest> t = FormatRun.eachFile("onnx", "export_lstm_l2_bi.onnx", "export_gru_l2.onnx", "lstm_reverse_lens.onnx",
                "gru_lbr0_bi_layout1.onnx", "gru_lbr1_nobias.onnx", "lstm_external.onnx");
        t.addAll(FormatRun.loaded("onnx", "two_nodes.onnx", "two_nodes", LoadOptions.node("dec"), "two_nodes.onnx --node dec"));
        return t;
    }

    @Test
    void configsAndHints() {
        RnnModel m = RnnModel.load(fixture("export_lstm_l2_bi.onnx"), LoadOptions.defaults());
        assertEquals("lstm I=3 H=5 layers=2 bidirectional", m.config().describe());
        assertEquals("ONNX", m.source().format());
        assertTrue(m.source().what().contains("'/LSTM', '/LSTM_1'"), m.source().what());
        RnnModel r = RnnModel.load(fixture("lstm_reverse_lens.onnx"), LoadOptions.defaults());
        assertTrue(r.config().reverse() && !r.config().bidirectional());
        assertFalse(r.source().batchFirst());
        RnnModel l1 = RnnModel.load(fixture("gru_lbr0_bi_layout1.onnx"), LoadOptions.defaults());
        assertTrue(l1.source().batchFirst());
        assertFalse(l1.config().linearBeforeReset());
    }

    @Test
    void severalUnchainedNodesNeedNode() {
        String msg = assertThrows(FusedRnnException.class, () -> RnnModel.load(fixture("two_nodes.onnx"), LoadOptions.defaults())).getMessage();
        assertTrue(msg.contains("--node") && msg.contains("'enc' (LSTM)") && msg.contains("'dec' (LSTM)"), msg);
        String none = assertThrows(FusedRnnException.class, () -> RnnModel.load(fixture("two_nodes.onnx"), LoadOptions.node("nope"))).getMessage();
        assertTrue(none.contains("no LSTM/GRU node named 'nope'"), none);
    }

    @Test
    void unsupportedFeaturesAreNamed() throws IOException {
        assertRefused("clip", n -> n.addAttribute(AttributeProto.newBuilder().setName("clip").setType(AttributeProto.AttributeType.FLOAT).setF(3f)));
        assertRefused("input_forget=1", n -> n.addAttribute(intAttr("input_forget", 1)));
        assertRefused("activations [Relu, Tanh, Tanh]", n -> n.addAttribute(strings("activations", "Relu", "Tanh", "Tanh")));
        assertRefused("attribute 'foo'", n -> n.addAttribute(intAttr("foo", 1)));
        assertRefused("direction: expected forward, reverse or bidirectional, found 'sideways'", n -> n.addAttribute(
                AttributeProto.newBuilder().setName("direction").setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8("sideways"))));
        Path ok = write("defaults.onnx", lstmModel(n -> n.addAttribute(strings("activations", "Sigmoid", "Tanh", "Tanh")), 0, null));
        assertEquals(3, RnnModel.load(ok, LoadOptions.defaults()).config().hiddenSize());
        Path zeroPeep = write("zero_peep.onnx", lstmModel(n -> n, 0, null));
        assertEquals(3, RnnModel.load(zeroPeep, LoadOptions.defaults()).config().hiddenSize());
        Path peep = write("peep.onnx", lstmModel(n -> n, 0.5f, null));
        String msg = assertThrows(FusedRnnException.class, () -> RnnModel.load(peep, LoadOptions.defaults())).getMessage();
        assertTrue(msg.contains("peephole") && msg.contains("peep.onnx"), msg);
    }

    @Test
    void externalDataMustStayInTheModelsFolder() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("m"));
        Files.write(dir.resolve("outside.bin"), new byte[4 * 12 * 2]);
        for (String location : List.of("../outside.bin", "/etc/passwd")) {
            Path p = sub.resolve("escape.onnx");
            Files.write(p, lstmModel(n -> n, 0, location).toByteArray());
            String msg = assertThrows(FusedRnnException.class, () -> RnnModel.load(p, LoadOptions.defaults())).getMessage();
            assertTrue(msg.contains("leaves the model's folder") && msg.contains(location), msg);
        }
        Path missing = sub.resolve("missing.onnx");
        Files.write(missing, lstmModel(n -> n, 0, "nothere.bin").toByteArray());
        String msg = assertThrows(FusedRnnException.class, () -> RnnModel.load(missing, LoadOptions.defaults())).getMessage();
        assertTrue(msg.contains("nothere.bin") && msg.contains("not found"), msg);
    }

    @Test
    void nonOnnxAndRnnFreeModelsSayWhatTheyFound() throws IOException {
        ModelProto noRnn = ModelProto.newBuilder().setIrVersion(8).setGraph(GraphProto.newBuilder().setName("g")
                .addNode(NodeProto.newBuilder().setOpType("Relu").addInput("x").addOutput("y"))).build();
        Path p = write("relu.onnx", noRnn);
        String msg = assertThrows(FusedRnnException.class, () -> RnnModel.load(p, LoadOptions.defaults())).getMessage();
        assertTrue(msg.contains("no LSTM or GRU node") && msg.contains("[Relu]"), msg);
        Path junk = dir.resolve("junk.bin");
        Files.write(junk, "hello world, not a model".getBytes(StandardCharsets.US_ASCII));
        String j = assertThrows(FusedRnnException.class, () -> RnnModel.load(junk, LoadOptions.defaults())).getMessage();
        assertTrue(j.contains("unrecognised content") && j.contains("expected safetensors, ONNX"), j);
    }

    @Test
    void initializersOfEveryFloatTypeDecodeExactly() throws IOException {
        int h = 3, in = 2, n = 4 * h * in;
        double[] want = new double[n];
        for (int i = 0; i < n; i++) want[i] = (i - 11) / 64.0; // exact in float16 and bfloat16
        double[] first = null;
        for (int type : new int[] {TensorProto.DataType.FLOAT_VALUE, TensorProto.DataType.DOUBLE_VALUE, TensorProto.DataType.FLOAT16_VALUE,
            TensorProto.DataType.BFLOAT16_VALUE}) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(n * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (double v : want) {
                switch (type) {
                    case TensorProto.DataType.FLOAT_VALUE -> b.putFloat((float) v);
                    case TensorProto.DataType.DOUBLE_VALUE -> b.putDouble(v);
                    case TensorProto.DataType.FLOAT16_VALUE -> b.putShort(Float.floatToFloat16((float) v));
                    default -> b.putShort((short) (Float.floatToIntBits((float) v) >>> 16));
                }
            }
            TensorProto w = TensorProto.newBuilder().setName("W").setDataType(type).addDims(1).addDims(4 * h).addDims(in)
                    .setRawData(ByteString.copyFrom(b.array(), 0, b.position())).build();
            ModelProto base = lstmModel(x -> x, 0, null);
            ModelProto m = base.toBuilder().setGraph(base.getGraph().toBuilder().setInitializer(0, w)).build();
            double[] got = RnnModel.load(write("t" + type + ".onnx", m), LoadOptions.defaults()).layer(0, 0).wIh();
            if (first == null) first = got;
            org.junit.jupiter.api.Assertions.assertArrayEquals(first, got, "data type " + type);
        }
        TensorProto shortRaw = TensorProto.newBuilder().setName("W").setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(1).addDims(4 * h)
                .addDims(in).setRawData(ByteString.copyFrom(new byte[10])).build();
        ModelProto base = lstmModel(x -> x, 0, null);
        Path p = write("short.onnx", base.toBuilder().setGraph(base.getGraph().toBuilder().setInitializer(0, shortRaw)).build());
        String msg = assertThrows(FusedRnnException.class, () -> RnnModel.load(p, LoadOptions.defaults())).getMessage();
        assertTrue(msg.contains("raw_data holds 10 bytes, expected 96"), msg);
    }

    @Test
    void weightsThroughIdentityNodesAreTheInitializers() throws IOException {
        // exporters deduplicating equal parameters (and some optimizers) leave W = Identity(initializer)
        ModelProto base = lstmModel(x -> x, 0, null);
        RnnModel direct = RnnModel.load(write("direct.onnx", base), LoadOptions.defaults());
        GraphProto.Builder g = base.getGraph().toBuilder();
        g.setNode(0, g.getNode(0).toBuilder().setInput(1, "W_twice"));
        g.addNode(0, NodeProto.newBuilder().setName("id2").setOpType("Identity").addInput("W_once").addOutput("W_twice"));
        g.addNode(0, NodeProto.newBuilder().setName("id1").setOpType("Identity").addInput("W").addOutput("W_once"));
        RnnModel viaIdentity = RnnModel.load(write("identity.onnx", base.toBuilder().setGraph(g).build()), LoadOptions.defaults());
        org.junit.jupiter.api.Assertions.assertArrayEquals(direct.layer(0, 0).wIh(), viaIdentity.layer(0, 0).wIh());
        // anything else that computes W is still refused, naming the node
        g.setNode(0, NodeProto.newBuilder().setName("neg").setOpType("Neg").addInput("W").addOutput("W_once"));
        Path p = write("computed.onnx", base.toBuilder().setGraph(g).build());
        String msg = assertThrows(FusedRnnException.class, () -> RnnModel.load(p, LoadOptions.defaults())).getMessage();
        assertTrue(msg.contains("W 'W_twice': expected an initializer, found the output of node 'neg' (Neg)"), msg);
    }

    private void assertRefused(String feature, UnaryOperator<NodeProto.Builder> edit) throws IOException {
        Path p = write("refused.onnx", lstmModel(edit, 0, null));
        String msg = assertThrows(FusedRnnException.class, () -> RnnModel.load(p, LoadOptions.defaults())).getMessage();
        assertTrue(msg.contains(feature) && msg.contains("refused.onnx") && msg.contains("node 'lstm'"), msg);
        assertFalse(msg.contains("\n"));
    }

    private Path write(String name, ModelProto m) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, m.toByteArray());
        return p;
    }

    /** One forward LSTM, I = 2, H = 3, with peepholes P (all {@code peep}) and W optionally external at {@code location}. */
    static ModelProto lstmModel(UnaryOperator<NodeProto.Builder> edit, float peep, String location) {
        int h = 3, in = 2;
        NodeProto.Builder n = NodeProto.newBuilder().setName("lstm").setOpType("LSTM")
                .addInput("X").addInput("W").addInput("R").addInput("").addInput("").addInput("").addInput("").addInput("P")
                .addOutput("Y").addAttribute(intAttr("hidden_size", h));
        GraphProto.Builder g = GraphProto.newBuilder().setName("g").addNode(edit.apply(n))
                .addInitializer(location == null ? floats("W", 1, 4 * h, in) : external("W", location, 1, 4 * h, in))
                .addInitializer(floats("R", 1, 4 * h, h));
        TensorProto.Builder p = TensorProto.newBuilder().setName("P").setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(1).addDims(3 * h);
        for (int i = 0; i < 3 * h; i++) p.addFloatData(peep);
        g.addInitializer(p);
        return ModelProto.newBuilder().setIrVersion(8).setGraph(g).build();
    }

    static TensorProto floats(String name, int... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
        int n = 1;
        for (int d : dims) {
            t.addDims(d);
            n *= d;
        }
        for (int i = 0; i < n; i++) t.addFloatData(0.01f * (i % 17) - 0.08f);
        return t.build();
    }

    static TensorProto external(String name, String location, int... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location));
        for (int d : dims) t.addDims(d);
        return t.build();
    }

    static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static AttributeProto strings(String name, String... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRINGS);
        for (String s : v) a.addStrings(ByteString.copyFromUtf8(s));
        return a.build();
    }
}
