print("pacetop: under construction")
