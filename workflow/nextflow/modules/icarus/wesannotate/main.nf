// nf-core style module: icarus-omics wes-annotate on one tumour's FilterMutectCalls VCF.
// Not run in this project's CI (Nextflow is not installable here); the command line is
// the one `icarus-omics run` uses, and every icarus-omics command is non-interactive,
// names its outputs by --prefix and needs no network unless asked.
process ICARUS_WES_ANNOTATE {
    tag "$meta.id"
    label 'process_low'

    input:
    tuple val(meta), path(vcf)
    path fasta
    path fai

    output:
    tuple val(meta), path("${prefix}.filtered.vcf.gz"), path("${prefix}.filtered.vcf.gz.tbi"), emit: vcf
    tuple val(meta), path("${prefix}.mutations.tsv"), emit: mutations
    tuple val(meta), path("${prefix}.maf"), emit: maf
    tuple val(meta), path("${prefix}.summary.json"), emit: summary
    path "versions.yml", emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    icarus-omics wes-annotate $vcf --prefix $prefix --fasta $fasta --threads $task.cpus -o . -q $args

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        icarus-omics: \$(icarus-omics --version | sed 's/icarus-omics //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.filtered.vcf.gz ${prefix}.filtered.vcf.gz.tbi ${prefix}.mutations.tsv ${prefix}.maf ${prefix}.summary.json
    echo '"${task.process}": {icarus-omics: stub}' > versions.yml
    """
}
