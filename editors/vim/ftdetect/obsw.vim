" obsw runbooks: *.obsw, and scripts that start with #!/usr/bin/env obsw.
autocmd BufRead,BufNewFile *.obsw setfiletype obsw
autocmd BufRead,BufNewFile * if getline(1) =~# '^#!.*\<obsw\>' | setfiletype obsw | endif
