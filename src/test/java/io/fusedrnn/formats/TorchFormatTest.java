package io.fusedrnn.formats;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.model.Fixtures;
import io.fusedrnn.model.LoadOptions;
import io.fusedrnn.model.RnnModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * torch.save files written by PyTorch itself (src/test/python/make_torch_fixtures.py) load through
 * {@link RnnModel#load} and reproduce PyTorch's outputs; whole modules, the legacy format and a
 * malicious pickle are refused with one line, and the malicious one runs nothing.
 */
class TorchFormatTest {

    static Path fixture(String name) {
        return Fixtures.path("torch/" + name);
    }

    @TestFactory
    List<DynamicTest> stateDictsReproducePyTorch() {
        List<DynamicTest> t = FormatRun.eachFile("torch", "lstm_l2_bi.pt", "shared.pt", "gru_f16.pt", "lstm_bf16.pt");
        t.addAll(FormatRun.loaded("torch", "lstm_l2_bi_p4.pt", "lstm_l2_bi", LoadOptions.defaults(), "lstm_l2_bi_p4.pt (protocol 4)"));
        t.addAll(FormatRun.loaded("torch", "checkpoint.pth", "checkpoint", LoadOptions.defaults(), "checkpoint.pth (prefix found)"));
        String prefix = "model_state_dict.encoder.rnn.";
        t.addAll(FormatRun.loaded("torch", "checkpoint.pth", "checkpoint", LoadOptions.prefix(prefix), "checkpoint.pth (--prefix " + prefix + ")"));
        return t;
    }

    @Test
    void shapesAndSourceAreReported() {
        RnnModel m = RnnModel.load(fixture("lstm_l2_bi.pt"), LoadOptions.defaults());
        assertEquals("lstm I=3 H=5 layers=2 bidirectional", m.config().describe());
        assertEquals(ModelFormat.TORCH_ZIP.label(), m.source().format());
        assertFalse(m.source().batchFirst());
        assertEquals(ModelFormat.TORCH_ZIP, FormatSniffer.detect(fixture("checkpoint.pth")));
    }

    @Test
    void aWholePickledModuleIsRefusedWithTheFix() {
        String msg = assertThrows(FusedRnnException.class, () -> RnnModel.load(fixture("module.pt"), LoadOptions.defaults())).getMessage();
        assertTrue(msg.contains("module.pt") && msg.contains("torch.nn.modules.rnn.LSTM") && msg.contains("model.state_dict()"), msg);
        assertFalse(msg.contains("\n"), msg);
    }

    @Test
    void theLegacyFormatIsRefusedWithHowToResave() {
        String msg = assertThrows(FusedRnnException.class, () -> RnnModel.load(fixture("legacy.pt"), LoadOptions.defaults())).getMessage();
        assertTrue(msg.contains("legacy.pt") && msg.contains("legacy") && msg.contains("torch.save(torch.load(old), new)"), msg);
    }

    @Test
    void aMaliciousPickleIsRefusedAndRunsNothing() throws Exception {
        Path marker = Path.of("/tmp/fusedrnn-pwned-by-malicious-pt");
        Files.deleteIfExists(marker);
        String msg = assertThrows(FusedRnnException.class, () -> RnnModel.load(fixture("malicious.pt"), LoadOptions.defaults())).getMessage();
        assertTrue(msg.contains("refused global") && (msg.contains("posix.system") || msg.contains("os.system")) && msg.contains("nothing in the file was run"), msg);
        assertFalse(Files.exists(marker), "the pickle's command ran");
    }

    @Test
    void aCheckpointWithTwoRnnsAsksForAPrefix() {
        String msg = assertThrows(FusedRnnException.class,
                () -> RnnModel.load(fixture("checkpoint.pth"), LoadOptions.prefix("model_state_dict.head."))).getMessage();
        assertTrue(msg.contains("'model_state_dict.encoder.rnn.'"), msg);
    }

    @Test
    void nodeIsRefusedForAStateDict() {
        String msg = assertThrows(FusedRnnException.class, () -> RnnModel.load(fixture("lstm_l2_bi.pt"), LoadOptions.node("x"))).getMessage();
        assertTrue(msg.contains("--node") && msg.contains("--prefix"), msg);
    }
}
