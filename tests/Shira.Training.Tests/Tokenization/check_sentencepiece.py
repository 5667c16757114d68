#!/usr/bin/python3
"""Checks the SentencePiece expectations of SentencePieceTokenizerTests with Google's implementation.

    SHIRA_WRITE_SP_MODEL=/tmp/hw.model dotnet test tests/Shira.Training.Tests --filter Writes_the_model_for_the_python_check
    /usr/bin/python3 tests/Shira.Training.Tests/Tokenization/check_sentencepiece.py /tmp/hw.model
(needs Debian's python3-sentencepiece)"""
import sys
import sentencepiece as spm

sp = spm.SentencePieceProcessor(model_file=sys.argv[1])
for text in ["hello world", "held", "low", "hello  world"]:
    print(repr(text), sp.encode(text))
print("bos", sp.bos_id(), "eos", sp.eos_id(), "size", sp.get_piece_size())
