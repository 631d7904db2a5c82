package io.fusedrnn.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetOutputFormat;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.datasources.OutputWriter;
import org.apache.spark.sql.execution.datasources.parquet.ParquetReadSupport;
import org.apache.spark.sql.execution.datasources.parquet.SparkToParquetSchemaConverter;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * One Parquet file of a Spark write task, written column by column: each row's values go straight
 * to parquet-mr's column writers ({@link ColumnShredder}) instead of through a record consumer, and
 * the row groups, pages, encodings, codec and footer are parquet-mr's own, set from the task's
 * Hadoop configuration as Spark's Parquet writer sets them. The file carries the same schema and
 * Spark metadata as Spark's writer would, so Spark and any Parquet reader read it back unchanged.
 */
final class ColumnParquetWriter extends OutputWriter {
    /** Rows between checks of the buffered size against the row-group size. */
    private static final int CHECK_EVERY = 64;

    private final String path;
    private final MessageType schema;
    private final ColumnShredder[] columns;
    private final ParquetProperties props;
    private final CodecFactory codecs;
    private final CodecFactory.BytesCompressor compressor;
    private final ParquetFileWriter file;
    private final long rowGroupBytes;
    private final Map<String, String> footer;
    private ColumnChunkPageWriteStore pages;
    private ColumnWriteStore store;
    private long rows;
    private boolean closed;

    ColumnParquetWriter(String path, StructType dataSchema, Configuration conf, String sparkVersion) {
        this.path = path;
        this.schema = new SparkToParquetSchemaConverter(conf).convert(dataSchema);
        List<ColumnDescriptor> leaves = schema.getColumns();
        this.columns = ColumnShredder.of(dataSchema.fields(), leaves);
        ParquetProperties.Builder b = ParquetProperties.builder()
                .withPageSize(ParquetOutputFormat.getPageSize(conf))
                .withDictionaryPageSize(ParquetOutputFormat.getDictionaryPageSize(conf))
                .withDictionaryEncoding(ParquetOutputFormat.getEnableDictionary(conf))
                .withWriterVersion(ParquetOutputFormat.getWriterVersion(conf))
                .withMinRowCountForPageSizeCheck(ParquetOutputFormat.getMinRowCountForPageSizeCheck(conf))
                .withMaxRowCountForPageSizeCheck(ParquetOutputFormat.getMaxRowCountForPageSizeCheck(conf))
                .withPageWriteChecksumEnabled(ParquetOutputFormat.getPageWriteChecksumEnabled(conf));
        for (ColumnDescriptor c : leaves) { // the per-column switch spark-infer uses: parquet.enable.dictionary#<dotted path>
            String own = conf.get(ParquetOutputFormat.ENABLE_DICTIONARY + "#" + String.join(".", c.getPath()));
            if (own != null) b.withDictionaryEncoding(String.join(".", c.getPath()), Boolean.parseBoolean(own));
        }
        this.props = b.build();
        this.rowGroupBytes = ParquetOutputFormat.getLongBlockSize(conf);
        this.codecs = new CodecFactory(conf, props.getPageSizeThreshold());
        this.compressor = codecs.getCompressor(ParquetOutputFormat.getCompression(conf));
        this.footer = Map.of(ParquetReadSupport.SPARK_METADATA_KEY(), dataSchema.json(), "org.apache.spark.version", sparkVersion);
        try {
            this.file = new ParquetFileWriter(HadoopOutputFile.fromPath(new Path(path), conf), schema, ParquetFileWriter.Mode.CREATE,
                    rowGroupBytes, conf.getInt(ParquetOutputFormat.MAX_PADDING_BYTES, ParquetWriter.MAX_PADDING_SIZE_DEFAULT), null, props);
            file.start();
        } catch (IOException e) {
            codecs.release();
            throw new UncheckedIOException(e);
        }
        startRowGroup();
    }

    private void startRowGroup() {
        pages = new ColumnChunkPageWriteStore(compressor, schema, props.getAllocator(), props.getColumnIndexTruncateLength(),
                props.getPageWriteChecksumEnabled());
        store = props.newColumnWriteStore(schema, pages, pages);
        List<ColumnDescriptor> leaves = schema.getColumns();
        for (int i = 0; i < columns.length; i++) columns[i].bind(store.getColumnWriter(leaves.get(i)));
    }

    @Override
    public void write(InternalRow row) {
        for (ColumnShredder c : columns) c.write(row);
        store.endRecord();
        if (++rows % CHECK_EVERY == 0) { // as parquet-mr does: close the row group within about two rows of its size
            long buffered = store.getBufferedSize();
            if (buffered > rowGroupBytes - 2 * buffered / rows) {
                endRowGroup();
                startRowGroup();
            }
        }
    }

    private void endRowGroup() {
        try {
            if (rows > 0) {
                file.startBlock(rows);
                store.flush();
                pages.flushToFileWriter(file);
                file.endBlock();
            }
            rows = 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            store.close();
            pages.close();
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            endRowGroup();
            file.end(footer);
        } catch (IOException e) {
            file.abort();
            throw new UncheckedIOException(e);
        } finally {
            codecs.release();
        }
    }

    @Override
    public String path() {
        return path;
    }
}
