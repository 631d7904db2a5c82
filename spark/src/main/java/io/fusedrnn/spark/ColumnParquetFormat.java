package io.fusedrnn.spark;

import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.OutputWriter;
import org.apache.spark.sql.execution.datasources.OutputWriterFactory;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.execution.datasources.parquet.SparkToParquetSchemaConverter;
import org.apache.spark.sql.types.StructType;

/**
 * Spark's Parquet data source with a faster writer for tables of numbers and arrays of numbers
 * (the sequences and the model's outputs): {@code df.write().format(ColumnParquetFormat.NAME)}.
 * Rows are written column by column ({@link ColumnParquetWriter}) into the files, with the schema
 * and metadata Spark's own writer produces, and everything else is Spark's: options, codec, the
 * commit protocol (task files published only when the job succeeds, then {@code _SUCCESS}), and
 * reading (the output is plain Parquet, read with {@code format("parquet")}). A table with a column
 * of any other type (a struct, a map, a decimal, a timestamp…) is written by Spark's writer.
 */
public class ColumnParquetFormat extends ParquetFileFormat {
    private static final long serialVersionUID = 1L;
    /** The name to pass to {@code DataFrameWriter.format}. */
    public static final String NAME = ColumnParquetFormat.class.getName();

    @Override
    public OutputWriterFactory prepareWrite(SparkSession session, Job job, scala.collection.immutable.Map<String, String> options,
                                            StructType dataSchema) {
        OutputWriterFactory spark = super.prepareWrite(session, job, options, dataSchema); // sets the job's Parquet configuration
        if (!ColumnShredder.supports(dataSchema.fields())) return spark;
        try { // the levels this writer computes are those of the schema Spark writes with this configuration (legacy format included)
            ColumnShredder.of(dataSchema.fields(), new SparkToParquetSchemaConverter(job.getConfiguration()).convert(dataSchema).getColumns());
        } catch (IllegalStateException e) {
            return spark;
        }
        return new Factory(spark, session.version());
    }

    /** Makes one {@link ColumnParquetWriter} per task file; file names are Spark's. */
    private static final class Factory extends OutputWriterFactory {
        private static final long serialVersionUID = 1L;
        private final OutputWriterFactory spark;
        private final String sparkVersion;

        Factory(OutputWriterFactory spark, String sparkVersion) {
            this.spark = spark;
            this.sparkVersion = sparkVersion;
        }

        @Override
        public String getFileExtension(TaskAttemptContext context) {
            return spark.getFileExtension(context);
        }

        @Override
        public OutputWriter newInstance(String path, StructType dataSchema, TaskAttemptContext context) {
            return new ColumnParquetWriter(path, dataSchema, context.getConfiguration(), sparkVersion);
        }
    }
}
