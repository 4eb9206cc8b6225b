package scenarios
import ("testing"; "fmt"; "os"; "path/filepath"; "time"; "strconv"; "strings")
func TestScratch(t *testing.T) {
	dir := os.Getenv("FZ")
	ents, _ := os.ReadDir(dir)
	type r struct{ n string; d time.Duration; l int }
	var worst r
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		lines := strings.Split(string(b), "\n")
		// go test fuzz v1 / []byte("...") / string("...")
		data := lines[1][len("[]byte("):len(lines[1])-1]
		s, err := strconv.Unquote(data)
		if err != nil { continue }
		st := time.Now()
		Parse("f.yaml", []byte(s), nil)
		d := time.Since(st)
		if d > worst.d { worst = r{e.Name(), d, len(s)} }
	}
	fmt.Println(worst)
}
